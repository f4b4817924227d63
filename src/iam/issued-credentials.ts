import type { IssuedCredentials } from "../aws/request-context.js";
import type { Db } from "../store/database.js";
import { findSession } from "../sts/sessions.js";
import type { StoredUser } from "./users.js";

/**
 * The credentials Berth itself issued, for request-context: IAM users' active access keys (AKIA...)
 * and STS sessions (ASIA...). An inactive or deleted key is unknown.
 */
export function issuedCredentials(db: Db): IssuedCredentials {
  return {
    find(accessKeyId) {
      if (accessKeyId.startsWith("ASIA")) return findSession(db, accessKeyId);
      const row = db.prepare(`SELECT k.secret, k.status, k.account, u.doc FROM iam_access_keys k
        JOIN iam_users u ON u.account = k.account AND u.name_key = k.user_key WHERE k.access_key_id = ?`).get(accessKeyId) as
        { secret: string; status: string; account: string; doc: string } | undefined;
      if (!row || row.status !== "Active") return undefined;
      const user = JSON.parse(row.doc) as StoredUser;
      return { secret: row.secret, account: row.account, principal: { type: "User", account: row.account, arn: user.Arn, userId: user.UserId, name: user.UserName } };
    },
  };
}
