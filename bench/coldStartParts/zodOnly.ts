/**
 * Cold-start calibration: zod 4 alone, with one object schema built at import (what the
 * handlers' event and payload schemas cost before any AWS code).
 */
import { z } from 'zod';

/** A schema shaped like the signup payload, so the bundler keeps zod's object and string code. */
export const schema = z.object({ userId: z.uuid(), email: z.email(), name: z.string().optional() });
