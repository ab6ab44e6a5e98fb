import { buildAssets } from '../assets/build.ts';

/** The pages link their hashed stylesheet and script through the asset manifest, so the tests build the assets once, as npm start does. */
export default async function setup(): Promise<void> {
  await buildAssets();
}
