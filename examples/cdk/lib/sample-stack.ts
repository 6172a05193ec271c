// The sample stack: the wait-for-init layer, the get-default function holding Init with it,
// optionally an alias with provisioned concurrency, and a REST API with GET / and GET /default.
import * as path from 'path'
import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib'
import * as apigateway from 'aws-cdk-lib/aws-apigateway'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import { SampleSettings } from './settings'

export class WaitForInitSampleStack extends Stack {
  constructor(scope: Construct, id: string, settings: SampleSettings, props?: StackProps) {
    super(scope, id, props)
    const architecture = settings.architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64
    const runtime = new lambda.Runtime(settings.runtime, lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true })

    const layer = new lambda.LayerVersion(this, 'WaitForInitLayer', {
      code: lambda.Code.fromAsset(settings.layerDir),
      // The extension is a native executable: the layer only runs on the architecture it was built for.
      compatibleArchitectures: [architecture],
      description: 'wait-for-init: holds Lambda Init open until the function signals ready',
    })

    const codeDir = path.join(__dirname, '..', '..', settings.variant === 'esm' ? 'get-default-esm' : 'get-default')
    const fn = new lambda.Function(this, 'GetDefaultFunction', {
      runtime,
      architecture,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(codeDir),
      layers: [layer],
      memorySize: 256,
      timeout: Duration.seconds(30),
      environment: settings.warmingTimeout === undefined ? {} : { WARMING_TIMEOUT: settings.warmingTimeout },
      logGroup: new logs.LogGroup(this, 'GetDefaultLogs', {
        retention: logs.RetentionDays.ONE_WEEK,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    })

    // With provisioned concurrency Lambda runs Init ahead of traffic, so the hold costs no request time.
    const target: lambda.IFunction = settings.provisioned > 0
      ? new lambda.Alias(this, 'LiveAlias', {
        aliasName: 'live',
        version: fn.currentVersion,
        provisionedConcurrentExecutions: settings.provisioned,
      })
      : fn

    const api = new apigateway.RestApi(this, 'SampleApi', {
      restApiName: 'wait-for-init-sample',
      description: 'GET / and GET /default call the get-default sample function',
      cloudWatchRole: false, // do not change the account-wide API Gateway logging role
    })
    const integration = new apigateway.LambdaIntegration(target)
    api.root.addMethod('GET', integration)
    api.root.addResource('default').addMethod('GET', integration)

    new CfnOutput(this, 'ApiUrl', { value: api.url })
    new CfnOutput(this, 'FunctionName', { value: fn.functionName })
  }
}
