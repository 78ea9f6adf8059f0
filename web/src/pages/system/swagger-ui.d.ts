// swagger-ui-dist ships no types; the API reference page uses this much.
declare module 'swagger-ui-dist/swagger-ui-es-bundle.js' {
  interface SwaggerRequest {
    method?: string
    headers: Record<string, string>
  }
  interface SwaggerOptions {
    domNode: HTMLElement
    url: string
    deepLinking?: boolean
    docExpansion?: 'list' | 'full' | 'none'
    defaultModelsExpandDepth?: number
    tryItOutEnabled?: boolean
    requestInterceptor?: (req: SwaggerRequest) => SwaggerRequest
    syntaxHighlight?: false | { activated?: boolean }
    filter?: boolean | string
  }
  const SwaggerUI: (opts: SwaggerOptions) => unknown
  export default SwaggerUI
}
