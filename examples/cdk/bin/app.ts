// CDK app entry: `npx cdk synth|deploy|destroy` from examples/cdk (see package.json scripts).
import * as path from 'path'
import { App } from 'aws-cdk-lib'
import { WaitForInitSampleStack } from '../lib/sample-stack'
import { readSettings } from '../lib/settings'

const app = new App()
const settings = readSettings((key) => app.node.tryGetContext(key), path.join(__dirname, '..'))
new WaitForInitSampleStack(app, 'WaitForInitSample', settings, {
  description: 'wait-for-init sample: layer + get-default function + REST API',
})
