import { defineComponentTests } from "./component-cases";
import { PROD_CONFIG, PROD_STRICT } from "./fixtures";

defineComponentTests("prod", PROD_CONFIG, PROD_STRICT);
