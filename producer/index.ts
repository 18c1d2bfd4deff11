/**
 * The 254Carbon event producer library. Typical use in a service:
 *
 *   const producer = new EventProducer({
 *       source: "data-ingestion-api",
 *       transport: new PlatformaticTransport({ brokers, clientId: "data-ingestion-api", ssl: true, sasl }),
 *   });
 *   await producer.connect();
 *   await producer.data.send("data-ingestion", "data.ingestion.completed",
 *       { datasetId, runId, sourceSystem: "s3", status: "COMPLETED", recordCount: 1200 },
 *       { traceparent: req.headers.traceparent, correlationId });
 *   process.on("SIGTERM", () => producer.close());
 */
export * from "./events";
export * from "./producer";
export * from "./transport";
export * from "./kafkajs";
export * from "./platformatic";
export * from "./decode";
export * from "./schemas";
export * from "./compat";
export * from "./trace";
export * from "./partition";
export { validateValue, type FieldProblem } from "./validate";
export * from "./registry";
