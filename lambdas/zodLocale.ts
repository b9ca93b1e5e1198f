/**
 * English issue messages for the kit's schemas. They are built with `zod/mini`, which loads no
 * locale (its issues would all read "Invalid input") and so keeps zod's classic API and its
 * ~50 locales out of the Lambda bundles. Each module that builds a schema imports this one
 * for its effect. A locale the app has already set is kept; `import 'zod'` sets English too.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

if (!config().localeError) config(en());
