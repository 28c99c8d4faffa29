export { IMAGE_EXTENSIONS, scanImages, walkImages } from './scan-images.js';
export { groupId, isSafeId } from './group-id.js';
export { openManifest, readManifest, type ManifestGroup, type OpenManifest } from './read-manifest.js';
export {
  planDataset, planDatasetStream, type DatasetPlan, type GroupPlan, type PlanOptions, type PlanStreamOptions, type PlanTotals,
} from './plan-dataset.js';
