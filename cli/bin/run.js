#!/usr/bin/env node
// The `kikuai` entry point. Only @oclif/core loads here: commands (and the SDK) are
// imported lazily from the manifest, which keeps `kikuai --version` fast.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
