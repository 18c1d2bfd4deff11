import { ServiceSpec } from "../../model/catalog";
import { serviceHasSidecar } from "../../model/workloads";
import { Reporter, Reporting } from "./queries";

/**
 * Where each catalog service's Istio metrics are reported: `destination` when the service's pods run a sidecar,
 * `source` when they do not (only its callers' sidecars see its traffic).
 */
export function reportingFrom(hasSidecar: (svc: ServiceSpec) => boolean): Reporting {
    return { reporterOf: (svc): Reporter => (hasSidecar(svc) ? "destination" : "source") };
}

/**
 * The workload model's answer (model/workloads.ts): a service's `sidecar` is declared, bound to the workload it is
 * (Kiali, Jaeger, Prometheus, ...), or its namespace's injection. Nothing here keeps a second list.
 */
export const WORKLOAD_REPORTING: Reporting = reportingFrom(serviceHasSidecar);
