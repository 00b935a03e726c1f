/**
 * The module every Worker of a pool runs ({@link createWorkerPool}): it serves requests on the
 * Worker's own scope. Only the pool loads it; nothing else may import it.
 *
 * @module
 */
import { type RequestWorkerScope, serveRequests } from "./request_worker.ts";

serveRequests(globalThis as unknown as RequestWorkerScope);
