/** The core's capture proxy behind the extension's CaptureSession interface (placeholder until it lands). */
import type { StartCapture } from './capture-api';

export const startCapture: StartCapture = async () => {
  throw new Error('the capture proxy is not built yet');
};
