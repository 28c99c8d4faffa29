/**
 * Adds jobs to a BullMQ queue in one pipelined call, as `Queue.addBulk` does
 * (it is the same call to the queue's backend, `IQueueBackend.addJobs`), but
 * with each job's id given beside its options, not in them. BullMQ stores
 * the options it is handed in the job's hash, so an id among them is a second
 * copy of the one the job's key holds: 40 to 140 bytes of every waiting job
 * (and a field that passes Redis' `hash-max-listpack-value` sooner).
 * Bypassing `addBulk` also leaves out its telemetry span and option checks,
 * which bnviz's own ids and options never need (an id holds no ':' and is no
 * integer, a priority is a small integer).
 */
import { Job, type JobsOptions, type Queue } from 'bullmq';

export interface NewJob {
  name: string;
  data: unknown;
  /** BullMQ's options, without `jobId`. */
  opts: Omit<JobsOptions, 'jobId'>;
  jobId: string;
}

/**
 * Adds the jobs (a job whose id the queue holds already is left as it is); O(jobs), one round trip.
 * @example
 * await addJobs(queue, [{ name: 'group', data: doc, opts: { priority: 1, attempts: 3 }, jobId: 'photos.0001-1a2b3c4d' }]);
 */
export async function addJobs(queue: Queue, jobs: readonly NewJob[]): Promise<void> {
  if (jobs.length === 0) return;
  await queue.backend.addJobs(jobs.map((j) => ({ job: new Job(queue, j.name, j.data, j.opts, j.jobId).asJSON(), jobId: j.jobId })));
}
