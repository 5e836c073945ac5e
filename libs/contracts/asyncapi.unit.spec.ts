import { Parser, type AsyncAPIDocumentInterface, type SchemaInterface } from '@asyncapi/parser';
import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLOUDEVENTS_CONTENT_TYPE, PLATFORM_EXCHANGE } from './cloud-event';
import { IntegrationEventData } from './integration-events';
import { IS_TIMESTAMP } from './timestamp';

// The published AsyncAPI document must describe exactly the classes consumers validate with.
const specPath = join(__dirname, '..', '..', 'docs', 'asyncapi.yaml');
const ERROR = 0; // DiagnosticSeverity.Error

const classFields = (cls: new () => object) =>
  getMetadataStorage()
    .getTargetValidationMetadatas(cls, '', true, false)
    .reduce(
      (fields, m) => fields.set(m.propertyName, [...(fields.get(m.propertyName) ?? []), m.name]),
      new Map<string, (string | undefined)[]>(),
    );

/** The payload's `data` schema, looking through `allOf` compositions. */
function dataSchema(payload: SchemaInterface | undefined): SchemaInterface | undefined {
  if (!payload) return undefined;
  const own = payload.properties()?.data;
  const composed = (payload.allOf() ?? []).map(dataSchema).filter((s) => s?.properties());
  return composed.at(-1) ?? own;
}

function typeConst(payload: SchemaInterface | undefined): unknown {
  if (!payload) return undefined;
  const own = payload.properties()?.type?.const();
  return (payload.allOf() ?? []).map(typeConst).find((c) => c !== undefined) ?? own;
}

describe('docs/asyncapi.yaml', () => {
  const text = readFileSync(specPath, 'utf8');
  let document: AsyncAPIDocumentInterface;

  beforeAll(async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(text);
    const errors = diagnostics.filter((d) => d.severity === ERROR);
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(parsed).toBeDefined();
    document = parsed!;
  });

  describe('when parsed', () => {
    it('is AsyncAPI 3.0.0 with only local references', () => {
      expect(document.version()).toBe('3.0.0');
      expect(text).not.toMatch(/\$ref:(?!\s*['"]?#)/);
    });

    it('sends every message persistent to the platform exchange under its type', () => {
      const operations = document.operations().all();
      expect(operations).toHaveLength(Object.keys(IntegrationEventData).length);
      for (const operation of operations) {
        expect(operation.action()).toBe('send');
        const binding = operation.bindings().get('amqp')?.value();
        expect(binding).toMatchObject({ deliveryMode: 2, mandatory: true });
        for (const channel of operation.channels().all()) {
          const exchange = channel.bindings().get('amqp')?.value().exchange;
          expect(exchange).toMatchObject({ name: PLATFORM_EXCHANGE, type: 'topic', durable: true });
          for (const message of channel.messages().all()) {
            expect(typeConst(message.payload())).toBe(channel.address());
            expect(message.contentType()).toBe(CLOUDEVENTS_CONTENT_TYPE);
          }
        }
      }
    });
  });

  describe('when compared with the contract classes', () => {
    const messageFor = (type: string) =>
      document
        .allMessages()
        .all()
        .find((m) => typeConst(m.payload()) === type);

    it('documents exactly the contracted types', () => {
      const documented = document
        .allMessages()
        .all()
        .map((m) => typeConst(m.payload()));
      expect([...documented].sort()).toEqual(Object.keys(IntegrationEventData).sort());
    });

    it.each(Object.entries(IntegrationEventData))(
      '%s: data has the class fields, all required, with matching formats',
      (type, cls) => {
        const data = dataSchema(messageFor(type)?.payload());
        expect(data).toBeDefined();
        const fields = classFields(cls);
        const documented = Object.keys(data!.properties() ?? {});
        expect([...documented].sort()).toEqual([...fields.keys()].sort());
        expect([...(data!.required() ?? [])].sort()).toEqual([...fields.keys()].sort());
        for (const [field, rules] of fields) {
          const format = data!.properties()![field].format();
          if (rules.includes('isEmail')) expect(format).toBe('email');
          else if (rules.includes(IS_TIMESTAMP)) expect(format).toBe('date-time');
          else expect(format).toBeUndefined();
        }
      },
    );
  });
});
