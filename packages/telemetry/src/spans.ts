/**
 * The browser-safe entry (`@flightdeck/telemetry/spans`): the pure derivation of
 * a run's span tree from its events, with no Node or OpenTelemetry imports.
 */
export * from './spans/types';
export * from './spans/attributes';
export { spansFromEvents, SpanDeriver, type SpanDeriverOptions } from './spans/derive';
