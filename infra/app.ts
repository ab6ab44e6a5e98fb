import { buildApp } from './app-builder.ts';

// The CDK CLI runs this (cdk.json "app"); context comes from cdk.json and `-c key=value`.
buildApp().app.synth();
