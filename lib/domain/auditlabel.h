/* The audit trail in Chinese: a label for every action the server records
 * (the `action` of audit_log) and every kind of object (its `entity`).
 * The one table of them: the audit list and its CSV carry the labels, and
 * GET /audit/labels gives the table to the UI's pickers.  A test greps
 * server/ and lib/ for the actions written and fails on one without a
 * label (tests/api/audit-labels.test.js). */
#ifndef KP_AUDITLABEL_H
#define KP_AUDITLABEL_H

#include <stddef.h>

struct kp_audit_label {
    const char *code;
    const char *label;
};

/* The label of an action or an entity; NULL when there is none.  Static
 * strings. */
const char *kp_audit_action_label(const char *action);
const char *kp_audit_entity_label(const char *entity);

/* The Chinese name of an actor_role as the UI says it (web/format.js
 * ROLE_NAMES); the role itself when unknown.  Static or borrowed. */
const char *kp_audit_role_label(const char *role);

/* The tables themselves, in the order a picker shows them; *n says how
 * many entries.  Static. */
const struct kp_audit_label *kp_audit_actions(size_t *n);
const struct kp_audit_label *kp_audit_entities(size_t *n);

#endif
