-- Hand-written: hints were cut at the secret's last underscore, and the random part is base64url,
-- which has underscores too, so a stored hint could hold most of its secret. Every hint becomes
-- what secretHint() now makes: the type's prefix and 4 characters.
UPDATE "Credential"
SET "hint" = left("hint", CASE "type"::text
    WHEN 'scim' THEN length('stw_scim_')
    WHEN 'analytics' THEN length('stw_ak_')
    WHEN 'enrolment' THEN length('stw_enrol_')
    ELSE length('stw_ep_')
  END + 4) || '…';
