/*
 * The Asterisk headers res_digium_phone binds to. build.rs runs bindgen over this file with the
 * directory from ASTERISK_INCLUDE_DIR (which holds asterisk.h and asterisk/).
 *
 * Asterisk refuses to be included by an externally built module unless it names its self symbol.
 * We never call the macros that use it: registration is done from Rust (src/ffi/module.rs).
 */
#define AST_MODULE "res_digium_phone"
#define AST_MODULE_SELF_SYM __internal_res_digium_phone_self

#include "asterisk.h"

#include "asterisk/module.h"
#include "asterisk/logger.h"
#include "asterisk/cli.h"
#include "asterisk/config.h"
#include "asterisk/strings.h"
#include "asterisk/utils.h"
#include "asterisk/paths.h"
#include "asterisk/options.h"
#include "asterisk/ast_version.h"
#include "asterisk/buildopts.h"
#include "asterisk/message.h"
#include "asterisk/http.h"
#include "asterisk/tcptls.h"
#include "asterisk/netsock2.h"
#include "asterisk/manager.h"
#include "asterisk/pbx.h"
#include "asterisk/presencestate.h"
#include "asterisk/app.h"
#include "asterisk/security_events.h"

/*
 * The test framework (asterisk/test.h) is deliberately absent: builds without TEST_FRAMEWORK lack its
 * symbols, so src/ffi/test.rs declares its few types by hand and resolves its functions with dlsym.
 */
