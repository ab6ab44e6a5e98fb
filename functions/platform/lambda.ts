import type { Context } from 'aws-lambda';

export type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * A Lambda entry point: builds what the handler depends on, and the handler, once, and reuses them
 * for every invocation. On Lambda (AWS_LAMBDA_FUNCTION_NAME is set) that happens as the module
 * loads, in the init phase, where SDK clients belong; anywhere else (tests, local mode, a bundle
 * loaded to check it) importing the module builds nothing and reads no settings.
 */
export function entryPoint<D, E, R>(build: () => D, make: (dependencies: D) => LambdaHandler<E, R>): LambdaHandler<E, R> {
  let handler = process.env.AWS_LAMBDA_FUNCTION_NAME ? make(build()) : undefined;
  return (event, context) => {
    handler ??= make(build());
    return handler(event, context);
  };
}
