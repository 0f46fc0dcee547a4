//! pipeform: provision, deploy to, and verify one batch-pipeline AWS stack.
