/** The agent's version, reported as telemetry.distro.version. */
export const AGENT_VERSION = '0.1.0';
