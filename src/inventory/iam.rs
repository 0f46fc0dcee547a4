//! IAM: the app instance's profile -> role -> attached and inline policy documents.

use aws_sdk_iam::Client;

use super::{sdk_error, AllPages, AreaError, IamFacts, Instance};

/// The name the root module gives the app's instance profile and its role: `{project}-app`.
fn expected_name(project: &str) -> String {
    format!("{project}-app")
}

/// IAM read by the name the root module would have given it, while EC2 is still finding the
/// app instance: on the stack the module made, the profile and the role's policies are read in
/// two round trips beside discovery instead of three after it. Used only where the instance
/// turns out to carry exactly that profile and the profile exactly that role; a wrong guess
/// costs only its own reads (three, failing, on a stack without those names).
#[derive(Debug)]
pub(super) struct Guess {
    name: String,
    profile: Result<Profile, AreaError>,
    policies: Result<Vec<(String, String)>, AreaError>,
}

/// Reads the profile and role named after `project` (see [`Guess`]).
pub(super) async fn guess(client: &Client, project: &str) -> Guess {
    let name = expected_name(project);
    let (profile, policies) = tokio::join!(profile(client, &name), role_policies(client, &name));
    Guess {
        name,
        profile,
        policies,
    }
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

/// Gathers the policies of the app instance's role (the instances come from EC2's discovery),
/// taking what `guess` read where it turned out to be the instance's own profile and role.
pub(super) async fn gather(
    client: &Client,
    instances: &[Instance],
    guess: Guess,
) -> Result<IamFacts, AreaError> {
    let mut apps: Vec<_> = instances
        .iter()
        .filter(|i| i.tags.get("Role").map(String::as_str) == Some("app"))
        .collect();
    // A running app instance is the one that matters when a replacement is on its way.
    apps.sort_by_key(|i| i.state != "running");
    let Some(app) = apps.first() else {
        return Ok(IamFacts::default());
    };
    let mut facts = IamFacts {
        app_instance_id: Some(app.id.clone()),
        instance_profile_arn: app.instance_profile_arn.clone(),
        ..IamFacts::default()
    };
    let Some(arn) = &app.instance_profile_arn else {
        return Ok(facts);
    };
    let Guess {
        name: guessed,
        profile: guessed_profile,
        policies: guessed_policies,
    } = guess;
    let found = match guessed_profile {
        Ok(p) if p.arn.as_deref() == Some(arn.as_str()) => p,
        // arn:aws:iam::ACCOUNT:instance-profile[/path]/NAME
        _ => profile(client, arn.rsplit('/').next().unwrap_or(arn)).await?,
    };
    let Some(role) = found.role else {
        return Ok(facts);
    };
    facts.policies = match guessed_policies {
        Ok(docs) if role == guessed => docs,
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
        let mut docs = Vec::new();
        for policy in &attached {
            let Some(policy_arn) = policy.policy_arn() else {
                continue;
            };
            let meta = client
                .get_policy()
                .policy_arn(policy_arn)
                .send()
                .await
                .map_err(|e| sdk_error("iam:GetPolicy", e))?;
            let Some(version) = meta.policy().and_then(|p| p.default_version_id()) else {
                continue;
            };
            let version = client
                .get_policy_version()
                .policy_arn(policy_arn)
                .version_id(version)
                .send()
                .await
                .map_err(|e| sdk_error("iam:GetPolicyVersion", e))?;
            if let Some(doc) = version.policy_version().and_then(|v| v.document()) {
                docs.push((policy_arn.to_string(), doc.to_string()));
            }
        }
        Ok::<_, AreaError>(docs)
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
        let mut docs = Vec::new();
        for name in names {
            let out = client
                .get_role_policy()
                .role_name(role)
                .policy_name(&name)
                .send()
                .await
                .map_err(|e| sdk_error("iam:GetRolePolicy", e))?;
            docs.push((
                format!("{role}/{name} (inline)"),
                out.policy_document().to_string(),
            ));
        }
        Ok::<_, AreaError>(docs)
    };
    let (attached, inline) = tokio::try_join!(attached, inline)?;
    Ok(attached.into_iter().chain(inline).collect())
}
