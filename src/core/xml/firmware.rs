//! `<firmwares>` and `<public_firmwares>`: the firmware each model should run, from the profile's
//! `firmware=` sections. A phone whose version differs fetches the file and reflashes.

use super::doc::{Attrs, Doc};
use super::{Net, RenderContext, RenderError, undefined, url};
use crate::model::Firmware;
use crate::model::firmware::{MODELS, carried_by};

pub(super) fn write(doc: &mut Doc, ctx: &RenderContext, net: &Net) -> Result<(), RenderError> {
    let mut firmwares: Vec<&Firmware> = Vec::new();
    for r in &ctx.phone.firmwares {
        let fw = ctx.model.firmware(&r.name).ok_or_else(|| undefined(ctx, "firmware", &r.name))?;
        // The requesting phone needs only its own model's (and that of the expansion module it
        // carries); unknown, it gets them all.
        let model = carried_by(&fw.model).unwrap_or(&fw.model);
        let wanted = ctx.phone_model.is_none_or(|m| m.eq_ignore_ascii_case(model));
        if wanted && !firmwares.iter().any(|f| f.name == fw.name) {
            firmwares.push(fw);
        }
    }

    // A firmware file is under the network's file_url_prefix, else under [general]'s
    // firmware_url_prefix (DPMA 1.x), else among the module's own files.
    let network = net.get();
    let base = network
        .file_url_prefix
        .as_deref()
        .or(ctx.model.general.firmware_url_prefix.as_deref())
        .unwrap_or(ctx.files_url);
    let served: Vec<(&Firmware, &str)> =
        firmwares.iter().filter_map(|f| f.file.as_deref().map(|file| (*f, file))).collect();
    if !served.is_empty() {
        doc.open("firmwares", Attrs::new())?;
        for (fw, file) in served {
            doc.empty("firmware", attrs(fw).set("url", url::join(base, file)))?;
        }
        doc.close("firmwares")?;
    }

    // Digium's public server keeps firmware at <prefix>/<version>/<version>_<model>_firmware.eff;
    // an expansion module's firmware is a .rom of another name, so it has no public URL.
    let public: Vec<&Firmware> = firmwares
        .into_iter()
        .filter(|f| f.public_firmware == Some(true) && carried_by(&f.model).is_none())
        .collect();
    if !public.is_empty() {
        doc.open("public_firmwares", Attrs::new())?;
        for fw in public {
            let path = format!("{v}/{v}_{m}_firmware.eff", v = fw.version, m = model(fw));
            let url = url::join(&network.public_firmware_url_prefix, &path);
            doc.empty("public_firmware", attrs(fw).set("url", url))?;
        }
        doc.close("public_firmwares")?;
    }
    Ok(())
}

fn attrs(fw: &Firmware) -> Attrs<'_> {
    Attrs::new().set("model", model(fw)).set("version", fw.version.as_str())
}

/// The model as the phone names itself (`D70`, whatever case the section wrote).
fn model(fw: &Firmware) -> &str {
    MODELS.iter().copied().find(|m| m.eq_ignore_ascii_case(&fw.model)).unwrap_or(&fw.model)
}
