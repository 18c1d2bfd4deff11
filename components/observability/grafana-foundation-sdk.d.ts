/*
 * @grafana/grafana-foundation-sdk publishes its modules only through package.json "exports" subpaths
 * ("@grafana/grafana-foundation-sdk/dashboard", ...). Node resolves those at run time, but this project's
 * tsconfig uses `moduleResolution: node` (node10), which ignores "exports". These ambient declarations point the
 * type checker at the same files Node loads. They can be deleted if tsconfig moves to `node16`/`bundler`.
 */
declare module "@grafana/grafana-foundation-sdk/cog" {
    export * from "@grafana/grafana-foundation-sdk/dist/cog";
}
declare module "@grafana/grafana-foundation-sdk/common" {
    export * from "@grafana/grafana-foundation-sdk/dist/common";
}
declare module "@grafana/grafana-foundation-sdk/dashboard" {
    export * from "@grafana/grafana-foundation-sdk/dist/dashboard";
}
declare module "@grafana/grafana-foundation-sdk/prometheus" {
    export * from "@grafana/grafana-foundation-sdk/dist/prometheus";
}
declare module "@grafana/grafana-foundation-sdk/timeseries" {
    export * from "@grafana/grafana-foundation-sdk/dist/timeseries";
}
declare module "@grafana/grafana-foundation-sdk/stat" {
    export * from "@grafana/grafana-foundation-sdk/dist/stat";
}
