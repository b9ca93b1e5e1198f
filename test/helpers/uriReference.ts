// RFC 3986 grammar for the relative references a CloudEvents `source` takes here:
// `path-noscheme` (a first segment without `:`, then `/`-separated segments), no query or
// fragment. Every string it matches is a URI-reference (section 4.1); the CloudEvents SDK
// checks `source` with that format.
const PCT_ENCODED = '%[0-9A-Fa-f]{2}';
const UNRESERVED_OR_SUB_DELIM = "A-Za-z0-9\\-._~!$&'()*+,;=";
const SEGMENT_NZ_NC = `(?:[${UNRESERVED_OR_SUB_DELIM}@]|${PCT_ENCODED})+`;
const SEGMENT = `(?:[${UNRESERVED_OR_SUB_DELIM}:@]|${PCT_ENCODED})*`;

/** Matches a relative URI reference of the `path-noscheme` form, such as `tidings/users`. */
export const RELATIVE_PATH_REFERENCE = new RegExp(`^${SEGMENT_NZ_NC}(?:/${SEGMENT})*$`);
