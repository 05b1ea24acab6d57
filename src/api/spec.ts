import { stringify } from 'yaml';
import spec from '../../generated/openapi.json';

/** The bundled spec as generated, and its YAML rendering (made once). */
export const apiSpec: Readonly<Record<string, unknown>> = spec;
export const apiSpecYaml = stringify(spec);
