import { defineComponentTests } from "./component-cases";
import { DEV_CONFIG, DEV_STRICT } from "./fixtures";

defineComponentTests("dev", DEV_CONFIG, DEV_STRICT);
