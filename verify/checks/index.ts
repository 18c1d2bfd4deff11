import { Check } from "../context";
import { dashboardsCheck } from "./dashboards";
import { kafkaExporterCheck } from "./kafkaexporter";
import { kongReplicasCheck, kongRouteCheck, kongStatusCheck } from "./kong";
import { meshServiceCheck } from "./meshservice";
import { mtlsCheck } from "./mtls";
import { plaintextCheck } from "./plaintext";
import { proxySyncCheck } from "./proxysync";
import { sidecarsCheck } from "./sidecars";
import { topicsCheck } from "./topics";

/** Every check, in report order: the seed's five tests first (Kong's split in two), then the ones beyond the seed. */
export const ALL_CHECKS: readonly Check[] = [
    sidecarsCheck,
    proxySyncCheck,
    meshServiceCheck,
    kongStatusCheck,
    kongReplicasCheck,
    kongRouteCheck,
    topicsCheck,
    kafkaExporterCheck,
    dashboardsCheck,
    mtlsCheck,
    plaintextCheck,
];

export { dashboardsCheck, kafkaExporterCheck, kongReplicasCheck, kongRouteCheck, kongStatusCheck, meshServiceCheck, mtlsCheck, plaintextCheck, proxySyncCheck, sidecarsCheck, topicsCheck };
