/** The fleet, as a library: enqueue datasets, run workers, read progress. */
export { enqueueDataset, enqueuePlan, type EnqueueOptions, type EnqueueResult } from './enqueue-dataset.js';
export { startWorker, type FleetWorker, type WorkerEvents } from './start-worker.js';
export { readRuns, readRunStatus, readWorkers, type RunStatus } from './read-status.js';
export { connectRedis } from './connect-redis.js';
export { jobIdOf, makeJobDocument, parseJobDocument, JOB_VERSION, type JobDocument } from './job-document.js';
export { runKeys, runsKey, workerKey } from './fleet-keys.js';
export { retryRun, type RetryResult } from './retry-run.js';
export { cleanRun, type CleanResult } from './clean-run.js';
