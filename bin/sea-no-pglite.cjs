// Stands for @electric-sql/pglite in the single executable (bin/build-sea.js): its wasm and data
// files cannot travel inside one file, so the embedded staging is not offered there.
class PGlite {
  static async create() {
    throw new Error(
      "PostgreSQL embarqué indisponible dans l'exécutable autonome : définissez STAGING_DATABASE_URL (un serveur PostgreSQL).",
    );
  }
}
module.exports = { PGlite };
