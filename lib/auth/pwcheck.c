#include <pthread.h>
#include <pwquality.h>
#include <stdio.h>
#include <string.h>

#include "pwcheck.h"

static const char UNAVAILABLE[] = "暂时无法检查密码强度，请稍后再试";
static const char GENERAL[] = "密码未通过强度检查，请换一个更难猜到的密码";

/* cracklib's messages (fascist.c), by what they start with. */
static const struct { const char *starts; const char *reason; } CRACKLIB[] = {
    { "it is WAY too short",        "密码太短" },
    { "it is too short",            "密码太短" },
    { "it does not contain enough DIFFERENT characters",
                                    "密码中不同的字符太少，请混用更多不同的字符" },
    { "it is all whitespace",       "密码不能全是空格" },
    { "it is too simplistic/systematic",
                                    "密码过于简单或有规律（如 123456789012、abcdefghijkl），容易被猜到" },
    { "it looks like a National Insurance number",
                                    "密码看起来像证件号码，容易被猜到" },
    { "it is based on a dictionary word",
                                    "密码以常见英文单词为基础，容易被猜到" },
    { "it is based on a (reversed) dictionary word",
                                    "密码是常见英文单词的倒写，容易被猜到" },
    { "it is based on your username", "密码与账号信息相近，容易被猜到" },
    { "it is based upon your password entry", "密码与账号信息相近，容易被猜到" },
    { "it is derived from your password entry", "密码与账号信息相近，容易被猜到" },
    { "it's derived from your password entry", "密码与账号信息相近，容易被猜到" },
    { "it is derivable from your password entry", "密码与账号信息相近，容易被猜到" },
    { "it's derivable from your password entry", "密码与账号信息相近，容易被猜到" },
    /* the check itself could not run */
    { "error loading dictionary",   UNAVAILABLE },
    { "you are not registered in the password file", UNAVAILABLE },
};

/* What pwquality_check can answer.  The ones about an old password or
 * character classes do not arise with the settings below; they are here so
 * that a change of settings needs no new sentence. */
static const struct { int code; const char *reason; } CODES[] = {
    { PWQ_ERROR_MEM_ALLOC,          UNAVAILABLE },
    { PWQ_ERROR_EMPTY_PASSWORD,     "请设置密码" },
    { PWQ_ERROR_MIN_LENGTH,         "密码太短" },
    { PWQ_ERROR_SAME_PASSWORD,      "新密码不能与旧密码相同" },
    { PWQ_ERROR_TOO_SIMILAR,        "新密码与旧密码太相似" },
    { PWQ_ERROR_CASE_CHANGES_ONLY,  "新密码只改了旧密码的大小写" },
    { PWQ_ERROR_ROTATED,            "新密码只是旧密码的轮换" },
    { PWQ_ERROR_MIN_DIGITS,         "密码中的数字太少" },
    { PWQ_ERROR_MIN_UPPERS,         "密码中的大写字母太少" },
    { PWQ_ERROR_MIN_LOWERS,         "密码中的小写字母太少" },
    { PWQ_ERROR_MIN_OTHERS,         "密码中的其他字符（符号、汉字等）太少" },
    { PWQ_ERROR_MIN_CLASSES,        "密码中的字符种类太少（数字、大写字母、小写字母、其他字符）" },
    { PWQ_ERROR_MAX_CONSECUTIVE,    "密码中连续相同的字符太多" },
    { PWQ_ERROR_MAX_CLASS_REPEAT,   "密码中连续的同类字符太多" },
    { PWQ_ERROR_MAX_SEQUENCE,       "密码中有太长的连续序列（如 12345、abcde）" },
    { PWQ_ERROR_PALINDROME,         "密码不能是回文（正读和反读相同）" },
    { PWQ_ERROR_USER_CHECK,         "密码不能包含用户名（包括倒写或改变大小写）" },
    { PWQ_ERROR_GECOS_CHECK,        "密码与账号信息相近，容易被猜到" },
    { PWQ_ERROR_BAD_WORDS,          "密码含有不允许使用的词" },
};

const char *kp_pwcheck_reason(int code, const char *cracklib)
{
    if (code == PWQ_ERROR_CRACKLIB_CHECK) {
        for (size_t i = 0; cracklib && i < sizeof CRACKLIB / sizeof CRACKLIB[0]; i++)
            if (strncmp(cracklib, CRACKLIB[i].starts, strlen(CRACKLIB[i].starts)) == 0)
                return CRACKLIB[i].reason;
        return GENERAL;
    }
    for (size_t i = 0; i < sizeof CODES / sizeof CODES[0]; i++)
        if (CODES[i].code == code)
            return CODES[i].reason;
    return GENERAL;
}

/* cracklib's GetPW caches the last dictionary block in static storage, so
 * one check at a time.  A check costs about a millisecond, on the slow-work
 * pool (the routes that set passwords hash them too). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* → the pwquality code (< 0) and cracklib's message, or 0 when it passes. */
static int check(const char *dictpath, const char *password, const char *username,
                 const char **cracklib)
{
    pwquality_settings_t *pwq = pwquality_default_settings();
    if (pwq == NULL)
        return PWQ_ERROR_MEM_ALLOC;
    /* Length is password.h's rule, in characters; 6 is pwquality's least. */
    pwquality_set_int_value(pwq, PWQ_SETTING_MIN_LENGTH, 6);
    pwquality_set_int_value(pwq, PWQ_SETTING_DICT_CHECK, 1);
    pwquality_set_int_value(pwq, PWQ_SETTING_USER_CHECK, 1);
    int rc = dictpath ? pwquality_set_str_value(pwq, PWQ_SETTING_DICT_PATH, dictpath) : 0;
    void *aux = NULL;
    if (rc == 0) {
        pthread_mutex_lock(&lock);
        rc = pwquality_check(pwq, password, NULL, username, &aux);
        pthread_mutex_unlock(&lock);
    }
    pwquality_free_settings(pwq);
    /* For a cracklib refusal aux is cracklib's static message; for the
     * other codes of pwquality_check it holds no memory. */
    *cracklib = rc == PWQ_ERROR_CRACKLIB_CHECK ? aux : NULL;
    return rc < 0 ? rc : 0;
}

const char *kp_pwcheck(const char *password, const char *username)
{
    const char *cracklib;
    int rc = check(NULL, password, username, &cracklib);
    return rc ? kp_pwcheck_reason(rc, cracklib) : NULL;
}

bool kp_pwcheck_ready(const char *dictpath, char *why, size_t why_len)
{
    const char *cracklib;
    int rc = check(dictpath, "incomprehensible", NULL, &cracklib);
    if (rc != PWQ_ERROR_CRACKLIB_CHECK || strstr(cracklib, "dictionary word") == NULL) {
        snprintf(why, why_len, "a dictionary word is not refused as one (%s): is cracklib-runtime "
                 "installed and does this uid have a passwd entry?",
                 rc == PWQ_ERROR_CRACKLIB_CHECK ? cracklib : rc ? "another refusal" : "it passes");
        return false;
    }
    rc = check(dictpath, "correct horse battery staple", NULL, &cracklib);
    if (rc != 0) {
        snprintf(why, why_len, "a good password is refused (%s)",
                 rc == PWQ_ERROR_CRACKLIB_CHECK ? cracklib : "pwquality");
        return false;
    }
    return true;
}
