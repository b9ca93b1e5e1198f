/**
 * Cold-start calibration: the schema of `zodOnly.ts` through `import * as z from 'zod'`.
 * esbuild tree-shakes a namespace import by the members used, so the bundle keeps the classic
 * API those members reach and the English locale, not the other locales (83 KB minified).
 */
import * as z from 'zod';

/** A schema shaped like the signup payload, so the bundler keeps zod's object and string code. */
export const schema = z.object({ userId: z.uuid(), email: z.email(), name: z.string().optional() });
