/* The application state machine, as a table: (from, action, role) → to.
 * Handlers ask kp_app_transition; they never re-encode it with ifs.  Later
 * stages (initial review, on-site checks, final evaluation, publicity) add
 * their rows here. */
#ifndef KP_APPSTATE_H
#define KP_APPSTATE_H

#include <stdbool.h>

#include "role.h"

enum kp_app_action {
    KP_APP_EDIT,        /* change the form or its attachments */
    KP_APP_SUBMIT,
    KP_APP_RETURN,      /* 退回修改 */
    KP_APP_DECLINE,     /* 不予推荐 */
    KP_APP_RECOMMEND,
    KP_APP_WITHDRAW,    /* withdraw a recommendation */
    KP_APP_EXPIRE,      /* the batch moved to evaluating (逾期未报) */
    KP_APP_INITIAL_PASS,  /* 初评通过: given, or a fail changed, until the on-site sample */
    KP_APP_INITIAL_FAIL,  /* 初评未通过 */
    KP_APP_ONSITE_PASS,   /* 实地核查通过: a sampled one stays initial_passed, or is restored */
    KP_APP_ONSITE_FAIL,   /* 实地核查未通过 */
    KP_APP_PROPOSE,       /* 终评: on the proposed list (建议名单) */
    KP_APP_FINAL_REJECT,  /* 终评: not on it */
    KP_APP_OBJECTION_UPHELD,  /* 公示: an objection against it upheld (异议成立) */
    KP_APP_NAME,          /* 认定命名: a proposed one becomes a base */
};

/* The status after `action` by `role` from `from`, or NULL when the table
 * has no such row (the action is not allowed).  KP_APP_EDIT leaves the
 * status as it is.  Statuses are the API's names; static storage. */
const char *kp_app_transition(const char *from, enum kp_app_action action, enum kp_role role);

/* Whether a batch's unit submission deadline (submit_deadline) closes a
 * submission from `from`.  A first submission (from draft) it does; a
 * returned application answers to the recommend deadline alone, since its
 * recommender may return it after the unit deadline has passed. */
bool kp_app_submit_deadline_binds(const char *from);

/* Whether `status` is one of the API's application statuses. */
bool kp_app_status_valid(const char *status);

/* The Chinese name of a status ("草稿", "已推荐") or category ("科技场馆类");
 * the input itself when unknown. */
const char *kp_app_status_label(const char *status);
const char *kp_app_category_label(const char *category);

/* Whether `category` is one of the six categories. */
bool kp_app_category_valid(const char *category);

/* A category's place in the API's order (venue, education_research,
 * agriculture, enterprise, natural_resources, other): 0 to
 * KP_APP_CATEGORIES - 1, or -1 when unknown.  Lists by category sort by it. */
#define KP_APP_CATEGORIES 6
int kp_app_category_index(const char *category);

#endif
