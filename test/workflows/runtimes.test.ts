// The runtimes the layer is published for: Amazon Linux 2023 managed runtimes only (glibc 2.34;
// the embedded Node 24 binary needs 2.28, Amazon Linux 2 has 2.26), at most 15 (PublishLayerVersion).
import t from 'tap'
import { DEFAULT_RUNTIMES, MAX_RUNTIMES, publishSettingsFromEnv } from '../../build-scripts/publish/publish-settings'

// Amazon Linux 2 runtimes (AWS's runtime table), which cannot run the extension.
const AMAZON_LINUX_2 = ['nodejs18.x', 'nodejs16.x', 'python3.9', 'python3.10', 'python3.11', 'java8.al2', 'java11', 'java17', 'provided.al2', 'ruby3.2', 'dotnet6']

t.test('CompatibleRuntimes: every AL2023 family, no Amazon Linux 2 runtime, within the limit', async (t) => {
  t.ok(DEFAULT_RUNTIMES.length <= MAX_RUNTIMES, `${DEFAULT_RUNTIMES.length} <= ${MAX_RUNTIMES}`)
  t.equal(new Set(DEFAULT_RUNTIMES).size, DEFAULT_RUNTIMES.length, 'no duplicates')
  for (const r of AMAZON_LINUX_2) t.notOk(DEFAULT_RUNTIMES.includes(r), `${r} (Amazon Linux 2) is not listed`)
  for (const r of ['nodejs24.x', 'python3.14', 'java25', 'dotnet10', 'ruby3.4', 'provided.al2023']) t.ok(DEFAULT_RUNTIMES.includes(r), `${r} is listed`)
  for (const family of ['nodejs', 'python', 'java', 'dotnet', 'ruby', 'provided']) {
    t.ok(DEFAULT_RUNTIMES.some((r) => r.startsWith(family)), `a ${family} runtime`)
  }
  // The defaults pass the publish step's own validation.
  t.same(publishSettingsFromEnv({}, 'MIT-0').runtimes, DEFAULT_RUNTIMES)
})
