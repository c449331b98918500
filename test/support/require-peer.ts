/**
 * Tests that need a real peer (a toolchain, a broker, a database) find it or
 * skip with a loud message on a developer's machine. CI sets
 * SPYGLASS_REQUIRE_PEERS=1, which turns a missing peer into a failure.
 */
export function requirePeer(
  name: string,
  isAvailable: () => boolean,
): { available: boolean; skip: string | false } {
  let available = false;
  try {
    available = isAvailable();
  } catch {
    available = false;
  }
  if (available) return { available, skip: false };
  if (process.env.SPYGLASS_REQUIRE_PEERS === '1') {
    throw new Error(`required test peer "${name}" is missing (SPYGLASS_REQUIRE_PEERS=1)`);
  }
  const message = `SKIPPED: test peer "${name}" is not available on this machine`;
  process.stderr.write(`\n*** ${message} ***\n\n`);
  return { available, skip: message };
}
