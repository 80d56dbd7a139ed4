-- The Batigest tables the connector touches, with the columns of ../shared/reference/batigest-schema.md.
-- Widths marked known there are kept (Code 8, NomClient 30, Etat 1); the rest are plausible guesses.
-- {{schema}} is replaced by the contract suite's own schema, created and dropped around the run.
-- Batches are separated by lines holding only GO.
CREATE TABLE [{{schema}}].[ChantierDef] (
  Code varchar(8) NOT NULL PRIMARY KEY,
  Libelle varchar(60) NULL,
  NomClient varchar(30) NULL,
  CodeClient varchar(10) NULL,
  DateDebut datetime NOT NULL,
  DateFin datetime NOT NULL,
  AdrChantier varchar(60) NULL,
  CPChantier varchar(10) NULL,
  VilleChantier varchar(40) NULL,
  Etat char(1) NULL
);
GO
CREATE TABLE [{{schema}}].[Devis] (
  Code varchar(10) NOT NULL PRIMARY KEY,
  CodeClient varchar(10) NULL,
  [Date] datetime NULL,
  Nom varchar(30) NULL,
  Sujet varchar(60) NULL,
  Etat int NOT NULL,
  TempsMO decimal(12, 2) NULL,
  TotalTTC decimal(14, 2) NULL
);
GO
CREATE TABLE [{{schema}}].[Salarie] (
  Code varchar(10) NOT NULL PRIMARY KEY,
  Nom varchar(30) NULL,
  CodeBS varchar(36) NULL
);
GO
CREATE TABLE [{{schema}}].[SuiviMO] (
  Id int IDENTITY(1, 1) NOT NULL PRIMARY KEY,
  CodeChantier varchar(8) NOT NULL,
  CodeSalarie varchar(10) NOT NULL,
  [Date] datetime NOT NULL,
  NbH0 decimal(12, 4) NULL,
  NbH3 decimal(12, 4) NULL,
  NbH4 decimal(12, 4) NULL
);
