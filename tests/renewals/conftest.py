from tests.fixtures import renewals

# The renewing customer these tests start from (also the API's renewal tests).
customer, product = renewals.customer, renewals.product
