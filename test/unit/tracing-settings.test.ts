import { loadConfig } from '../../src/core/config';

describe('tracing settings', () => {
  it('are off without an endpoint, or with OTEL_SDK_DISABLED', () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' }).tracing).toBeUndefined();
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
  });

  it('send to <endpoint>/v1/traces over http/protobuf, sampling what the caller sampled and every new trace', () => {
    for (const base of ['http://collector:4318', 'http://collector:4318/']) {
      expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: base }).tracing).toEqual({
        url: 'http://collector:4318/v1/traces',
        protocol: 'http/protobuf',
        serviceName: undefined,
        sampler: 'parentbased_always_on',
        ratio: 1,
      });
    }
  });

  it('prefer the traces-only endpoint and protocol, used as given', () => {
    const tracing = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp/spans',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'gatehouse-eu',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    }).tracing;
    expect(tracing).toEqual({
      url: 'https://traces.example.com/otlp/spans',
      protocol: 'http/json',
      serviceName: 'gatehouse-eu',
      sampler: 'parentbased_traceidratio',
      ratio: 0.25,
    });
  });

  it.each([
    [
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'collector:4318',
      /OTEL_EXPORTER_OTLP_ENDPOINT: must be an http:\/\/ or https:\/\/ URL/,
    ],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'grpc://collector:4317', /TRACES_ENDPOINT: must be an http:\/\/ or https/],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc', /OTEL_EXPORTER_OTLP_PROTOCOL: must be http\/protobuf or http\/json \(grpc/],
    ['OTEL_TRACES_SAMPLER', 'jaeger_remote', /OTEL_TRACES_SAMPLER: must be one of parentbased_always_on, /],
    ['OTEL_TRACES_SAMPLER_ARG', '1.5', /OTEL_TRACES_SAMPLER_ARG: must be a number from 0 to 1/],
  ])('refuse a bad %s', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
});
