//! The demo data command: deterministic, and usable at once through the API.

use carnet_tests::{native_store, require_native, spawn_app};

async fn fingerprint(url: &str) -> Vec<String> {
    let db = native_store(url).connect().await.unwrap();
    let mut out = Vec::new();
    for table in [
        "accounts",
        "structures",
        "beneficiaries",
        "notebooks",
        "notebook_members",
        "actions",
        "rendez_vous",
        "job_projects",
    ] {
        let rows = db
            .query(&format!("SELECT id FROM {table} ORDER BY id"), &[])
            .await
            .unwrap();
        out.push(format!(
            "{table}:{}",
            rows.iter()
                .map(|r| r.get::<String>("id").unwrap())
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    out
}

#[tokio::test]
async fn demo_data_is_deterministic_and_signs_in() {
    if !require_native("demo_data_is_deterministic_and_signs_in") {
        return;
    }
    let first = spawn_app().await;
    let second = spawn_app().await;
    for app in [&first, &second] {
        let db = native_store(app.database_url.as_ref().unwrap())
            .connect()
            .await
            .unwrap();
        carnet_server::demo::load(&db, 60, 7).await.unwrap();
    }
    let a = fingerprint(first.database_url.as_ref().unwrap()).await;
    assert_eq!(
        a,
        fingerprint(second.database_url.as_ref().unwrap()).await,
        "same seed, same data"
    );
    assert!(
        a.iter()
            .any(|t| t.starts_with("actions:") && t.matches(',').count() >= 500),
        "about ten actions per notebook"
    );
    // Loading twice is refused.
    let db = native_store(first.database_url.as_ref().unwrap())
        .connect()
        .await
        .unwrap();
    assert!(carnet_server::demo::load(&db, 10, 7).await.is_err());
    // The demo accounts sign in and see their data.
    let accounts = carnet_server::demo::demo_accounts();
    let manager = first.sign_in(&accounts.manager).await;
    let (status, list) = manager.get_json(&first, "/api/carnets/departement").await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 60);
    // The bulk-loaded memberships are reflected on the notebooks: the « sans référent » list
    // agrees with its count, the dashboard and the memberships (about 15 in 100).
    let without = crate::dashboard::without_referent(&first, &manager).await;
    assert!((1..30).contains(&without.len()), "{without:?}");
    let notebook = list["items"][0]["notebook_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, full) = manager
        .get_json(&first, &format!("/api/carnets/{notebook}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(full["plan"].as_array().unwrap().len(), 2);
    // Job projects: about six notebooks in ten, every value from the référentiels, shown in
    // the diagnostic.
    let (projects, invalid, with_project): (i64, i64, String) = {
        let row = db
            .query_one(
                "SELECT COUNT(*) AS n, \
                    SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM ref_rome_appellation r WHERE r.rome_code = j.rome_code AND r.label = j.rome_label) \
                        OR NOT EXISTS (SELECT 1 FROM ref_coded_value c WHERE c.list_name = 'job_contract_type' AND c.code = j.contract_type) \
                        OR NOT EXISTS (SELECT 1 FROM ref_coded_value c WHERE c.list_name = 'working_time' AND c.code = j.working_time) \
                        THEN 1 ELSE 0 END) AS invalid, \
                    MIN(j.notebook_id) AS notebook \
                 FROM job_projects j",
                &[],
            )
            .await
            .unwrap();
        (
            row.get("n").unwrap(),
            row.get("invalid").unwrap(),
            row.get("notebook").unwrap(),
        )
    };
    assert!(
        (20..=70).contains(&projects),
        "{projects} job projects for 60 notebooks"
    );
    assert_eq!(invalid, 0, "every job project uses the référentiels");
    let (status, full) = manager
        .get_json(&first, &format!("/api/carnets/{with_project}"))
        .await;
    assert_eq!(status, 200);
    let shown = full["diagnostic"]["job_projects"].as_array().unwrap();
    assert!(
        !shown.is_empty() && shown[0]["rome_label"].is_string(),
        "{full}"
    );
    let admin = first.sign_in(&accounts.structure_admin).await;
    assert_eq!(
        admin.get_json(&first, "/api/carnets/structure").await.0,
        200
    );
    // Three beneficiaries have an account: each reads their own notebook, which has a referent.
    for n in 1..=carnet_server::demo::BENEFICIARY_ACCOUNTS {
        let beneficiary = first
            .sign_in(&format!("beneficiaire-{n}@{}", carnet_server::demo::DOMAIN))
            .await;
        let (status, own) = beneficiary.get_json(&first, "/api/carnets/mine").await;
        assert_eq!(status, 200, "beneficiaire-{n}");
        assert!(
            own["members"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["member_type"] == "referent"),
            "beneficiaire-{n}: {own}"
        );
    }
}
