//! IAM: the app instance's profile -> role -> attached and inline policy documents.

use aws_sdk_iam::Client;

use super::{join_all, sdk_error, AllPages, AreaError, IamFacts, Instance};

/// The name the root module gives the app's instance profile and its role: `{project}-app`.
fn expected_name(project: &str) -> String {
    format!("{project}-app")
}

/// An instance profile: its ARN and its role.
#[derive(Debug)]
struct Profile {
    arn: Option<String>,
    role: Option<String>,
}

async fn profile(client: &Client, name: &str) -> Result<Profile, AreaError> {
    let out = client
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .map_err(|e| sdk_error("iam:GetInstanceProfile", e))?;
    let profile = out.instance_profile();
    Ok(Profile {
        arn: profile.map(|p| p.arn().to_string()),
        role: profile
            .and_then(|p| p.roles().first())
            .map(|r| r.role_name().to_string()),
    })
}

/// Gathers the policies of the app instance's role; `instances` is EC2's discovery.
///
/// While EC2 is still finding the app instance, the profile and the role's policies are read
/// by the name the root module gives them (the guess), and the instance's own profile is read
/// as soon as discovery names it and the guessed one is not it (the fallback). So on the
/// module's stack IAM is done one round trip after discovery, and on a stack whose profile is
/// named otherwise (holding the module's role) no read waits for more than one other. The
/// guessed policies count only where the profile turns out to hold exactly that role; a wrong
/// guess costs only its own reads (three, failing, on a stack without those names).
pub(super) async fn gather(
    client: &Client,
    project: &str,
    instances: impl std::future::Future<Output = Result<Vec<Instance>, AreaError>>,
) -> Result<IamFacts, AreaError> {
    let guessed = expected_name(project);
    let app_profile = async {
        let (instances, guessed_profile) = tokio::join!(instances, profile(client, &guessed));
        let instances = instances?;
        let mut apps: Vec<_> = instances
            .iter()
            .filter(|i| i.tags.get("Role").map(String::as_str) == Some("app"))
            .collect();
        // A running app instance is the one that matters when a replacement is on its way.
        apps.sort_by_key(|i| i.state != "running");
        let Some(app) = apps.first() else {
            return Ok((IamFacts::default(), None));
        };
        let facts = IamFacts {
            app_instance_id: Some(app.id.clone()),
            instance_profile_arn: app.instance_profile_arn.clone(),
            ..IamFacts::default()
        };
        let Some(arn) = &app.instance_profile_arn else {
            return Ok((facts, None));
        };
        let found = match guessed_profile {
            Ok(p) if p.arn.as_deref() == Some(arn.as_str()) => p,
            // arn:aws:iam::ACCOUNT:instance-profile[/path]/NAME
            _ => profile(client, arn.rsplit('/').next().unwrap_or(arn)).await?,
        };
        Ok::<_, AreaError>((facts, found.role))
    };
    // The guessed policies run beside the profile lookups, and are dropped unread (not waited
    // for) when the profile holds another role.
    let guessed_policies = role_policies(client, &guessed);
    tokio::pin!(app_profile, guessed_policies);
    let mut guessed_done = None;
    let (mut facts, role) = loop {
        tokio::select! {
            found = &mut app_profile => break found?,
            docs = &mut guessed_policies, if guessed_done.is_none() => guessed_done = Some(docs),
        }
    };
    let Some(role) = role else {
        return Ok(facts);
    };
    let guessed_docs = if role == guessed {
        match guessed_done {
            Some(docs) => Some(docs),
            None => Some(guessed_policies.await),
        }
    } else {
        None
    };
    facts.policies = match guessed_docs {
        Some(Ok(docs)) => docs,
        _ => role_policies(client, &role).await?,
    };
    facts.role_name = Some(role);
    Ok(facts)
}

/// The documents of the role's attached managed and inline policies, as `(name, JSON text)`.
async fn role_policies(client: &Client, role: &str) -> Result<Vec<(String, String)>, AreaError> {
    let attached = async {
        let attached = client
            .list_attached_role_policies()
            .role_name(role)
            .into_paginator()
            .items()
            .send()
            .all("iam:ListAttachedRolePolicies")
            .await?;
        // Each policy's two reads in sequence, the policies at once.
        let docs = join_all(
            attached
                .iter()
                .filter_map(|p| p.policy_arn())
                .map(|arn| policy_document(client, arn)),
        )
        .await;
        docs.into_iter()
            .filter_map(Result::transpose)
            .collect::<Result<Vec<_>, AreaError>>()
    };
    let inline = async {
        let names = client
            .list_role_policies()
            .role_name(role)
            .into_paginator()
            .items()
            .send()
            .all("iam:ListRolePolicies")
            .await?;
        let docs = join_all(names.iter().map(|name| async move {
            let out = client
                .get_role_policy()
                .role_name(role)
                .policy_name(name)
                .send()
                .await
                .map_err(|e| sdk_error("iam:GetRolePolicy", e))?;
            Ok::<_, AreaError>((
                format!("{role}/{name} (inline)"),
                out.policy_document().to_string(),
            ))
        }))
        .await;
        docs.into_iter().collect::<Result<Vec<_>, AreaError>>()
    };
    let (attached, inline) = tokio::try_join!(attached, inline)?;
    Ok(attached.into_iter().chain(inline).collect())
}

/// The default version's document of managed policy `arn`, as `(arn, JSON text)`; `None` when
/// IAM names no default version or it has no document.
async fn policy_document(
    client: &Client,
    arn: &str,
) -> Result<Option<(String, String)>, AreaError> {
    let meta = client
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| sdk_error("iam:GetPolicy", e))?;
    let Some(version) = meta.policy().and_then(|p| p.default_version_id()) else {
        return Ok(None);
    };
    let version = client
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .map_err(|e| sdk_error("iam:GetPolicyVersion", e))?;
    Ok(version
        .policy_version()
        .and_then(|v| v.document())
        .map(|doc| (arn.to_string(), doc.to_string())))
}
