#!/usr/bin/env node
'use strict';
require('../dist/cjs/cli.js').main();
