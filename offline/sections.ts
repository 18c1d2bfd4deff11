import { SECRET_KEYS } from "../model";
import { PlanSection } from "./plan";

/**
 * What the components add to the offline plan beyond Kubernetes objects, Helm releases and provider resources.
 */
export const planSections: readonly PlanSection[] = [];

/** Secrets a plan fills with placeholders when the stack file does not set them (all but the kubeconfig alternative). */
export const secretsToFill: readonly string[] = SECRET_KEYS.filter((k) => k !== "kubeconfig");
