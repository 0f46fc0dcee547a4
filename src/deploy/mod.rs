//! SSH session, known hosts, releases (upload, switch, rollback), host files.
