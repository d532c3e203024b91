//! The Cloud Partner Portal's offer documents: the draft
//! (`GET .../offers/{offer}`) and the `Preview` and `Production` slots
//! (`GET .../offers/{offer}/slot/{slot}`), as "Retrieve a specific offer"
//! documents them; a slot never published answers 404.
//!
//! Choices where the documentation is silent: an offer nobody set a draft
//! for has two plans (`standard`, `byol`) of one image version each; a
//! publish takes the draft as it stands when it starts, and its document
//! is the preview once it reaches publisher signoff; a go-live takes the
//! preview as it starts, and its document is production once it
//! succeeded. Like the service's, the documents differ between reads in
//! ways that mean nothing: every URL's signature (`sig`) is new at each
//! read, and the preview lists the plans in the other order.

use serde_json::{Value, json};

use crate::Emulator;

/// The field of a plan that holds its image versions.
pub const VM_IMAGES: &str = "microsoft-azure-virtualmachines.vmImages";

/// An image version's disk, signed.
pub fn image(offer: &str, version: &str) -> Value {
    json!({
        "osVhdUrl": format!("https://contosovhds.blob.core.windows.net/vhds/{offer}-{version}.vhd?sv=2014-02-14&sr=b&sig=unsigned&st=2026-01-01T00%3A00%3A00Z&se=2027-01-01T00%3A00%3A00Z&sp=rl"),
        "lunVhdDetails": [],
    })
}

/// The draft of an offer nobody set one for.
pub fn initial(publisher: &str, offer: &str) -> Value {
    let plan = |id: &str, title: &str| {
        json!({
            "planId": id,
            "microsoft-azure-virtualmachines.skuTitle": title,
            "microsoft-azure-virtualmachines.operatingSystemFamily": "Linux",
            VM_IMAGES: {"1.0.0": image(offer, "1.0.0")},
            "regions": ["DZ", "AR"],
        })
    };
    json!({
        "offerTypeId": "microsoft-azure-virtualmachines",
        "publisherId": publisher,
        "status": "neverPublished",
        "id": "059afc24-07de-4126-b004-4e42a51816fe",
        "version": 1,
        "definition": {
            "displayText": offer,
            "offer": {
                "microsoft-azure-marketplace.title": offer,
                "microsoft-azure-marketplace.smallLogo": format!("https://contosoassets.blob.core.windows.net/{offer}/logo.png?sv=2014-02-14&sr=b&sig=unsigned&se=2027-01-01T00%3A00%3A00Z&sp=r"),
            },
            "plans": [plan("standard", "Standard"), plan("byol", "Bring your own license")],
        },
    })
}

/// Reads of documents so far: each signs its URLs anew.
static READS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A document as one read shows it: every signature new.
pub fn as_read(document: &Value) -> Value {
    let read = READS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    signed(document, read)
}

fn signed(document: &Value, read: u64) -> Value {
    match document {
        Value::String(text) if text.contains("sig=") => {
            let signed = text
                .split('&')
                .map(|part| match part.split_once("sig=") {
                    Some((before, _)) => format!("{before}sig=read{read}"),
                    None => part.to_owned(),
                })
                .collect::<Vec<_>>()
                .join("&");
            Value::String(signed)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| signed(v, read)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), signed(v, read)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The draft as a publish takes it into preview: its plans in the other
/// order, as the service keeps no order.
pub fn into_preview(draft: &Value) -> Value {
    let mut preview = draft.clone();
    if let Some(Value::Array(plans)) = preview.pointer_mut("/definition/plans") {
        plans.reverse();
    }
    preview
}

impl Emulator {
    /// The offer's draft document, as a vendor keeps it in Partner Center.
    pub fn cpp_draft(&self, publisher: &str, offer: &str) -> Value {
        self.world().lock().unwrap().cpp.draft(publisher, offer)
    }

    /// Sets the offer's draft document.
    pub fn set_cpp_draft(&self, publisher: &str, offer: &str, document: Value) {
        self.world()
            .lock()
            .unwrap()
            .cpp
            .set_draft(publisher, offer, document);
    }

    /// Adds an image version to a plan of the offer's draft, as a vendor
    /// does in Partner Center before a publish.
    pub fn add_cpp_image_version(&self, publisher: &str, offer: &str, plan: &str, version: &str) {
        let mut draft = self.cpp_draft(publisher, offer);
        if let Some(Value::Array(plans)) = draft.pointer_mut("/definition/plans")
            && let Some(found) = plans.iter_mut().find(|p| p["planId"] == plan)
        {
            found[VM_IMAGES][version] = image(offer, version);
        }
        self.set_cpp_draft(publisher, offer, draft);
    }
}
