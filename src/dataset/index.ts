export { IMAGE_EXTENSIONS, scanImages } from './scan-images.js';
export { groupId, isSafeId } from './group-id.js';
export { readManifest, type ManifestGroup } from './read-manifest.js';
export { planDataset, type DatasetPlan, type GroupPlan, type PlanOptions } from './plan-dataset.js';
