/** The dashboard, as a library: start it on a config, or build the app to drive it without a socket. */
export { startDashboard, checkExposure, type Dashboard, type DashboardConfig } from './start-dashboard.js';
export { buildDashboard, type DashboardOptions } from './build-dashboard.js';
export { isLoopback, tokenMatches } from './access-token.js';
export { resolveGroupFile } from './output-file.js';
