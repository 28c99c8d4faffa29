// `npm run test:ha`: the tests on Redis Sentinel and Redis Cluster (test/ha/), each starting its own
// redis-server processes; `npm test` leaves them out, `.ci/run` runs them after it.
export default { files: ['dist/test/ha/**/*.test.js'], timeout: '5m', workerThreads: false, concurrency: 1 };
