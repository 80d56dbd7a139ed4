/**
 * A project by id, or null when BatiSimply no longer has it. Apart from the client so that a job
 * with nothing to send loads no HTTP client (undici) to classify an answer.
 */
import type { BatisimplyApi, Project } from './client.js';
import { BatisimplyError } from './http.js';

/** The project with this id, or null when BatiSimply no longer has it (deleted there). */
export async function findProject(api: Pick<BatisimplyApi, 'getProject'>, id: number): Promise<Project | null> {
  try {
    return await api.getProject(id);
  } catch (error) {
    if (error instanceof BatisimplyError && error.status === 404) return null;
    throw error;
  }
}
