import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Media = { schema?: Record<string, unknown> };
type Response = { content?: Record<string, Media> };
type Operation = { responses: Record<string, Response> };
type Document = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, unknown> } };

/** Routes every app serves beside its documented API. */
const UNDOCUMENTED = /^\/(health|metrics|openapi\.json|docs)(\/|$)/;

const templateOf = (path: string) => new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[A-Za-z_]+\\?\}/g, '[^/]+')}$`);

/**
 * Checks each response against the API's own OpenAPI document: the status is documented for the
 * operation (exactly or as a range), the content type is one it lists, and the body fits its schema.
 * A violation throws, so the spec that got the response fails with what was wrong.
 */
export class OpenApiContract {
  private operations?: { pattern: RegExp; path: string; methods: Record<string, Operation> }[];
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private document?: Document;

  constructor() {
    addFormats.default(this.ajv);
  }

  private async load(base: string): Promise<void> {
    if (this.operations) return;
    this.document = (await (await fetch(`${base}/openapi.json`)).json()) as Document;
    this.ajv.addSchema({ $id: 'components', components: this.document.components ?? {} });
    // Literal segments win over parameters (`/listings/search` before `/listings/{id}`).
    this.operations = Object.entries(this.document.paths)
      .map(([path, methods]) => ({ path, methods, pattern: templateOf(path) }))
      .sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0));
  }

  private validator(key: string, schema: Record<string, unknown>): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      const resolved = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"components#/components/')) as Record<string, unknown>;
      validate = this.ajv.compile(resolved);
      this.validators.set(key, validate);
    }
    return validate;
  }

  async check(base: string, method: string, url: string, reply: { status: number; headers: Headers; body: unknown }): Promise<void> {
    const path = new URL(url, base).pathname;
    if (method === 'OPTIONS' || UNDOCUMENTED.test(path) || reply.status === 431) return;
    await this.load(base);
    const said = `${method} ${path} -> ${reply.status} ${(JSON.stringify(reply.body) ?? '').slice(0, 300)}`;
    const contentType = reply.headers.get('content-type')?.split(';')[0]?.trim();
    const entry = this.operations!.find((o) => o.pattern.test(path));
    const operation = entry?.methods[method.toLowerCase()];
    if (!operation) {
      // No such route: a 404 or 405 problem is all the document promises.
      if (reply.status < 400 || contentType !== 'application/problem+json') throw new Error(`Contract: an undocumented route answered ${said}`);
      return;
    }
    const response = operation.responses[String(reply.status)] ?? operation.responses[`${String(reply.status)[0]}XX`] ?? operation.responses.default;
    if (!response) throw new Error(`Contract: status ${reply.status} is not documented for ${method} ${path} (${said})`);
    if (!response.content) return;
    if (!contentType || !response.content[contentType]) {
      throw new Error(`Contract: ${said} came as ${contentType ?? 'no content type'}, documented as ${Object.keys(response.content).join(', ')}`);
    }
    const schema = response.content[contentType]!.schema;
    if (!schema) return;
    const validate = this.validator(`${method} ${entry!.path} ${reply.status} ${contentType}`, schema);
    if (!validate(reply.body)) throw new Error(`Contract: the body of ${said} breaks its schema: ${this.ajv.errorsText(validate.errors)}`);
  }
}
