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
#include "asterisk/sorcery.h"
#include "asterisk/security_events.h"

/*
 * The test framework: builds without TEST_FRAMEWORK lack its symbols, so src/ffi/test.rs declares its
 * few types by hand and resolves its functions with dlsym; never call them through the bindings. The
 * header is here for its types only (it declares nothing without TEST_FRAMEWORK), so that
 * src/ffi/abi.rs can pin the hand-made copies against them.
 */
#include "asterisk/test.h"

/*
 * Macros bindgen drops (pointer casts) or does not carry, as enumerators, so that src/ffi/abi.rs can
 * pin the values the module spells by hand against each Asterisk's headers.
 */
enum {
	RDP_CLI_SUCCESS = (long) CLI_SUCCESS,
	RDP_CLI_SHOWUSAGE = (long) CLI_SHOWUSAGE,
	RDP_CLI_FAILURE = (long) CLI_FAILURE,
	RDP_CONFIG_STATUS_FILEMISSING = (long) CONFIG_STATUS_FILEMISSING,
	RDP_CONFIG_STATUS_FILEUNCHANGED = (long) CONFIG_STATUS_FILEUNCHANGED,
	RDP_CONFIG_STATUS_FILEINVALID = (long) CONFIG_STATUS_FILEINVALID,
	RDP_PRIORITY_HINT = PRIORITY_HINT,
};
