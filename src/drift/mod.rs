//! State vs live: drifted attributes, volatile ones, waivers.
