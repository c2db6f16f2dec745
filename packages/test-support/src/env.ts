export const TEMPLATE_DATABASE = 'license_hub_template'

export function harnessEnv(): { postgresUrl: string; redisUrl: string; tmp: string } {
  const postgresUrl = process.env.LH_TEST_POSTGRES_URL
  const redisUrl = process.env.LH_TEST_REDIS_URL
  if (!postgresUrl || !redisUrl) {
    throw new Error('LH_TEST_POSTGRES_URL/LH_TEST_REDIS_URL are unset: run the tests with `npm test` (add tap arguments after --)')
  }
  return { postgresUrl, redisUrl, tmp: process.env.LH_TEST_TMP ?? '/tmp' }
}
