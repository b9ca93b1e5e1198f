/**
 * Cold-start calibration: zod 4 alone, imported as the zod and Powertools docs show it
 * (`import { z } from 'zod'`), with one object schema built at import. `z` is then a value
 * holding the whole namespace, `locales` included, so esbuild keeps zod's classic API and all
 * its locales (443 KB minified); `zodNamespace.ts` is the same schema through `import * as z`.
 */
import { z } from 'zod';

/** A schema shaped like the signup payload, so the bundler keeps zod's object and string code. */
export const schema = z.object({ userId: z.uuid(), email: z.email(), name: z.string().optional() });
