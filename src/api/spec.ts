import { stringify } from 'yaml';
import spec from '../../generated/openapi.json';

/** The bundled spec as generated, and its YAML rendering (made once). */
export const apiSpec: Readonly<Record<string, unknown>> = spec;
export const apiSpecYaml = stringify(spec);

type PathItems = Record<string, Record<string, unknown>>;

/**
 * The spec as the request validator sees it: a copy in which every GET
 * operation is also the path's HEAD operation. HEAD is GET without the body
 * (RFC 9110 §9.3.2), and express already answers it with the GET route; but
 * express-openapi-validator knows only the methods a spec names, and would
 * refuse it with 405. The served spec and the SDK keep GET alone.
 */
export function validatorSpec(): Record<string, unknown> {
  const copy = structuredClone(apiSpec) as Record<string, unknown> & { paths: PathItems };
  for (const item of Object.values(copy.paths)) {
    // A copy of its own: the validator annotates the operations it compiles.
    if (item.get && !item.head) item.head = structuredClone(item.get);
  }
  return copy;
}
